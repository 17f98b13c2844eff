"""What each page shows, computed from the store: one module per page, each view ``fn(store, city, **params)``."""
