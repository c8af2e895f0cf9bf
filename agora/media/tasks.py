from functools import partial

from celery import Task, shared_task
from django.conf import settings

from agora.core import jobs
from agora.media import processing, resumable

TRANSIENT_ERRORS = (OSError, processing.ProcessingInterrupted)
VIDEO_MAX_RETRIES = 3


@shared_task
def purge_expired_uploads() -> int:
    """Removes resumable uploads that were never finished before they expired."""
    return resumable.purge_expired()


@shared_task(
    bind=True,
    acks_late=True,
    max_retries=VIDEO_MAX_RETRIES,
    time_limit=settings.VIDEO_JOB_TIME_LIMIT,
    soft_time_limit=settings.VIDEO_JOB_TIME_LIMIT - 60,
)
def process_video(self: Task, *, video_id: int) -> str:  # type: ignore[type-arg]
    """Transcodes a video to HLS (the `video` queue). A file ffmpeg cannot read fails the
    video at once; storage and process failures are retried with back-off, then fail it."""
    job_id = jobs.job_id_of(self)
    renew = partial(jobs.renew_lease, job_id) if job_id is not None else (lambda: None)
    try:
        return processing.process(video_id=video_id, renew=renew)
    except TRANSIENT_ERRORS as exc:
        if self.request.retries >= VIDEO_MAX_RETRIES:
            processing.mark_failed(
                video_id, "Processing failed several times; upload the video again."
            )
            return "failed"
        raise self.retry(exc=exc, countdown=30 * 2**self.request.retries) from exc
