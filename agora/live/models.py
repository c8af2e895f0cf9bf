from django.db import models


class RelayedFrame(models.Model):
    """A frame on its way to the sockets of other processes (the embedded default's layer).

    Rows live for a minute or so: each ASGI process reads the new ones every few tens of
    milliseconds and hands them to the sockets it holds; old rows are deleted as they go.
    """

    groups = models.JSONField(default=list)
    channel = models.CharField(max_length=200, blank=True)
    message = models.JSONField()
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = "relayed frame"

    def __str__(self) -> str:
        return f"frame {self.pk} to {self.channel or ', '.join(self.groups)}"
