package io.ablserve.server.data;

/** The shape of a dataset, known without loading its pixels. */
public record DatasetInfo(String name, int channels, int height, int width, int numClasses) {}
