"""Pieces several pages share: maps, tables and charts (a page's own figures live in its package)."""
