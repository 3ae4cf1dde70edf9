"""Service-language compliance (话术质检): the forbidden-phrase inventory, its spaCy checker, the
lint of the bot's and the desk's wording, and the masking of personal numbers (docs/compliance.md).
"""
