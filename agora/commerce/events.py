"""What the commerce app tells the apps above it (agora.core.events)."""

# order, instructors: a paid order was fulfilled; `instructors` teach what it sold.
SALE = "commerce.sale"
