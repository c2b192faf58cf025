package io.ablserve.server.session;

/** No dataset with this id that the caller can see. */
public final class DatasetNotFoundException extends RuntimeException {
  public DatasetNotFoundException(String datasetId) {
    super("dataset " + UserText.quote(datasetId) + " not found");
  }
}
