"""What runs inside Rasa's own process: the callback channel the desk talks through, and the
custom NLU components of config.yml (rasa_addons/nlu/)."""
