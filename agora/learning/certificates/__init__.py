"""Certificates of completion: issued once per enrollment, revoked with the purchase.

Issuing happens inside the transaction that completes the course (the enrollment row is
locked), so the one-to-one constraint and the lock together make it exactly once. After that
transaction commits, a job renders the PDF, stores it and emails the learner; the job may
run twice (late acks, retries) and the second run changes nothing: the PDF is stored only
where none is, and `emailed_at` is claimed with a conditional update in the same
transaction that queues the email.

Names and titles are copied at issue time, so the PDF and the public verification page say
what was true on the day the certificate was issued.

- `services`: issuing, revoking, reinstating and the delivery job's work;
- `queries`: reads, scoped to who asks, and the certificate's addresses;
- `pdf`: drawing the certificate and keeping its file;
- `tasks`: the delivery job; `personal_data`: the export and erasure parts;
- `api`, `views`, `downloads`: the HTTP side.
"""
