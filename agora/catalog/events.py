"""What the catalog tells the apps above it (agora.core.events)."""

# course, old_price, old_currency: a course's price (or currency) was changed by its editor.
PRICE_CHANGED = "catalog.price_changed"
