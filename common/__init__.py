"""What the bot and the desk share: contracts, working hours."""
