"""The ASGI application: the only package that imports the web server."""
