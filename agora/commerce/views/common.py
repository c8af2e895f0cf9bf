"""What the commerce pages share."""

PAGE_SIZE = 25
