package dev.metis.assets;

import java.nio.file.Path;

/**
 * Where the files nodes need are looked for.
 *
 * @param bootAssets   what {@code serve} serves at {@code /assets/} ({@code --boot-assets})
 * @param fetched      where {@code serve} keeps the kernels and initrds it fetched, named by SHA-256
 * @param imageCache   where {@code plan}, {@code image} and {@code burn} keep downloaded golden images
 */
public record AssetRoots(Path bootAssets, Path fetched, Path imageCache) {

    /** Absolute, so that what is reported is where the file was looked for, wherever the report is read. */
    public AssetRoots {
        bootAssets = bootAssets.toAbsolutePath();
        fetched = fetched.toAbsolutePath();
        imageCache = imageCache.toAbsolutePath();
    }

    /** The fetched files' place in a state directory. */
    public static Path fetchedIn(Path stateDir) {
        return stateDir.resolve("fetched");
    }
}
