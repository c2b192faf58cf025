package io.ablserve.server.session;

import static java.util.Objects.requireNonNull;

import io.ablserve.server.data.DatasetCatalog;
import io.ablserve.server.data.ImageSet;
import io.ablserve.v1.Dataset;
import java.util.ArrayList;
import java.util.List;

/**
 * The datasets the server was configured with, in the form uploads are listed in, so that a client can
 * show both kinds in one table. Listing reads no pixels: sizes and shapes appear once a dataset is loaded.
 */
public final class ConfiguredDatasets {
  private final DatasetCatalog catalog;

  public ConfiguredDatasets(DatasetCatalog catalog) {
    this.catalog = requireNonNull(catalog, "catalog");
  }

  /** Every configured dataset, sorted by name; id and name are both the name sessions take. */
  public List<Dataset> list() {
    List<Dataset> out = new ArrayList<>();
    for (DatasetCatalog.Entry entry : catalog.configured()) {
      Dataset.Builder dataset =
          Dataset.newBuilder().setId(entry.name()).setName(entry.name()).setLayout(entry.layout());
      entry.loaded().ifPresent(split -> {
        ImageSet train = split.train();
        dataset
            .setTrainSamples(train.size())
            .setTestSamples(split.test().size())
            .setChannels(train.channels())
            .setHeightPx(train.height())
            .setWidthPx(train.width())
            .setNumClasses(train.numClasses());
      });
      out.add(dataset.build());
    }
    return out;
  }
}
