"""Other tools' vocabularies over the twins, so existing suites keep their calls.

Each module speaks one tool's API for real, over the wire, on top of a twin's public
control API: dpytest's (``wiretwin.compat.dpytest``), the Sonora client's and its
simulator (``wiretwin.compat.sonora``), the Pusher testing guide's mocks
(``wiretwin.compat.pusher_guide``). No twin imports anything from here.
"""

__all__: list[str] = []  # the modules are the API
