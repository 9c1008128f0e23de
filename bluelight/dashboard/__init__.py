"""The Dash app: reads the warehouse through :mod:`dashboard.queries`, computes with :mod:`analysis`."""
