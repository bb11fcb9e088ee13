"""The bundled data (rules, facts, templates, dictionaries), shipped as package data so that a
non-editable install finds it: ``importlib.resources.files("knowledge")``."""
