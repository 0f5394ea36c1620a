"""The compliance officer's pages: read-only on complaints, except placing and lifting holds."""
