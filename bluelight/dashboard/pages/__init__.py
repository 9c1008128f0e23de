"""Dashboard pages. Each module has ``register(app, wh)`` which registers its page and callbacks."""
