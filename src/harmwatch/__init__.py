"""HarmWatch: patterns of homicide, serious violence and deaths across agencies."""

__version__ = "0.1.0"
