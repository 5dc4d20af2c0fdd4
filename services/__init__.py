"""Work that follows an event, called alike by the command line and the app (above metrics and forecasting)."""
