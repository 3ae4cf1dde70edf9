"""The desk: visitor web chat, agent console and human handoff, between Rasa and people.

`create_app(settings)` in `desk.app` builds the Sanic service; `docs/desk.md` is the protocol.
"""
