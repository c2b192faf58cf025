package io.ablserve.server.config;

/** What a starting server does with a session an earlier process left RUNNING (it died training it). */
public enum ResumeInterrupted {
  /** Queue it again at once; it goes on from its last checkpoint. */
  AUTO,
  /** Mark it INTERRUPTED; a ResumeSession call queues it again, to go on from its last checkpoint. */
  MANUAL
}
