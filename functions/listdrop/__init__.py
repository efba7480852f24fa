"""listdrop: S3-dropped files become AWS import jobs, polled to an outcome event."""
