"""Custom actions of the customer-service assistant, one module per capability.

`rasa run actions` imports this package; each module registers its Action classes.
"""
