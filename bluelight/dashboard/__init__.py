"""The Dash app: the top layer, beside the command line.

Pages are thin: each builds its controls from a service request's fields
(:mod:`bluelight.dashboard.controls`), parses them with the request's own
validation, calls the service through the app's one
:class:`~bluelight.services.session.Session`, and renders the answer with
:mod:`bluelight.dashboard.components` and each page's ``figures``. The only reads of its own
(:mod:`bluelight.dashboard.queries`) are map layers and load history.

Room: ``pages/<page>/`` (a page's layout and callbacks, and its own
``figures``), ``components`` (maps, tables and charts several pages share),
and the server pieces (``app``, ``auth``, ``callback_gate``,
``request_limits``, ``serve``). May import: services and below, never the
command line.
"""
