"""Layer specs, reading, validation, storage and styling."""
