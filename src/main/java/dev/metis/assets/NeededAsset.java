package dev.metis.assets;

import dev.metis.inventory.SourcePos;
import java.nio.file.Path;

/**
 * One file a node needs for its delivery, and where it is looked for.
 *
 * @param field   the inventory field that names it: {@code netboot.kernel}, {@code netboot.initrd[1]}, {@code image}
 * @param written the path or URL as the inventory writes it
 * @param file    the file: under the boot assets, beside the inventory, or the cache entry a URL is kept in;
 *                null for a URL the node fetches itself
 * @param url     where it is fetched from; null for a local file
 * @param sha256  the hash it must have; null where the inventory gives none
 * @param pos     where the inventory names it
 */
public record NeededAsset(String node, String field, Kind kind, String written, Path file, String url, String sha256,
        SourcePos pos) {

    public enum Kind {
        /** A file under the boot assets, served at {@code /assets/}. */
        SERVED,
        /** A URL the node fetches itself. */
        DIRECT,
        /** A URL {@code serve} fetches into its cache, checks and serves at {@code /fetched/}. */
        FETCHED,
        /** A golden image file. */
        IMAGE_FILE,
        /** A golden image URL, downloaded into the image cache by the card commands. */
        IMAGE_URL
    }

    /** What people look for: the local file, else the URL. */
    public String location() {
        return url != null ? url : file.toString();
    }

    /**
     * A hash of one digit 64 times ({@code 000...0}, as an example inventory ships): a placeholder for the
     * real one, which no file has.
     */
    public boolean placeholderHash() {
        return sha256 != null && sha256.chars().distinct().count() == 1;
    }
}
