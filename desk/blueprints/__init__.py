"""One blueprint per concern: pages, the agent API, Rasa's callback, health."""
