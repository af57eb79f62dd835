"""Test settings shared by every test module."""

from hypothesis import settings

# Property tests check behaviour, not speed: no per-example deadline to trip on a busy CI machine.
settings.register_profile("threecx-xapi", deadline=None)
settings.load_profile("threecx-xapi")
