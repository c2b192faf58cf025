package io.ablserve.server.data;

/** A dataset's training and test sets. */
public record DatasetSplit(ImageSet train, ImageSet test) {}
