"""The window: Qt only here; it wires widgets and signals to the session and runs work in its
worker.
"""
