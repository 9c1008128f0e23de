"""Blue Light Atlas: planning software for UK police, fire and ambulance services."""

__version__ = "0.1.0"
