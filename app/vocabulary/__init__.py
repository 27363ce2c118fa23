"""The register's vocabulary: the statuses, kinds and orders every floor speaks of.

Leaf modules: they import nothing from the application but `app.core`, so any package may
import them.
"""
