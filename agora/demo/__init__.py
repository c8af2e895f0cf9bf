"""Demo content for local use: people, a catalog, learners at every stage and their reviews.

`manage.py seed_demo` runs the steps in order, each in its own transaction and through the
apps' services, so demo rows are exactly what real use would make. Course content is data,
in `data/courses/*.toml`.
"""
