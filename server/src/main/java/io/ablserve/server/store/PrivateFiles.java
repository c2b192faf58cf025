package io.ablserve.server.store;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Set;
import java.util.stream.Stream;

/**
 * Files and folders of the server's data directory are its owner's alone: 0600 and 0700, set explicitly
 * rather than left to the umask (022 makes them world-readable on a shared machine). On file systems
 * without POSIX permissions nothing is changed.
 */
public final class PrivateFiles {
  /** rw------- */
  public static final Set<PosixFilePermission> FILE = PosixFilePermissions.fromString("rw-------");
  /** rwx------ */
  public static final Set<PosixFilePermission> FOLDER = PosixFilePermissions.fromString("rwx------");

  private PrivateFiles() {}

  /** Creates {@code dir} and its missing parents, each created one 0700; returns {@code dir}. */
  public static Path createDirectories(Path dir) throws IOException {
    Path absolute = dir.toAbsolutePath();
    if (Files.isDirectory(absolute)) {
      return dir;
    }
    Path parent = absolute.getParent();
    if (parent != null) {
      createDirectories(parent);
    }
    try {
      if (posix(parent == null ? absolute : parent)) {
        Files.createDirectory(absolute, folderAttribute());
        restrict(absolute); // the umask may have taken bits the attribute asked for
      } else {
        Files.createDirectory(absolute);
      }
    } catch (java.nio.file.FileAlreadyExistsException e) {
      if (!Files.isDirectory(absolute)) {
        throw e;
      }
    }
    return dir;
  }

  /** Makes {@code path} its owner's alone: 0700 for a folder, 0600 for anything else. */
  public static void restrict(Path path) throws IOException {
    PosixFileAttributeView view =
        Files.getFileAttributeView(path, PosixFileAttributeView.class, LinkOption.NOFOLLOW_LINKS);
    if (view == null || Files.isSymbolicLink(path)) {
      return;
    }
    view.setPermissions(Files.isDirectory(path, LinkOption.NOFOLLOW_LINKS) ? FOLDER : FILE);
  }

  /** {@link #restrict}s {@code root} and everything under it. */
  public static void restrictTree(Path root) throws IOException {
    try (Stream<Path> paths = Files.walk(root)) {
      for (Path p : paths.toList()) {
        restrict(p);
      }
    }
  }

  private static boolean posix(Path existing) {
    return Files.getFileAttributeView(existing, PosixFileAttributeView.class) != null;
  }

  private static FileAttribute<Set<PosixFilePermission>> folderAttribute() {
    return PosixFilePermissions.asFileAttribute(FOLDER);
  }
}
