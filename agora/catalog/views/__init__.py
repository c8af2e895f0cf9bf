"""The catalog's web pages, by audience: `public` (home, browse, course pages), `studio` and
`curriculum` (instructors), `review` (admins). Each view reads through `queries`, writes
through `services` and renders; the rules live in those modules, and domain errors become
error pages in agora.core.middleware."""
