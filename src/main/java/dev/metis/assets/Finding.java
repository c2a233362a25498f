package dev.metis.assets;

/**
 * What looking at a needed file found.
 *
 * @param problem what is wrong, or null
 * @param note    for a file found by URL, how: in the cache, or reachable (what a HEAD answered); else null
 */
public record Finding(NeededAsset need, String problem, String note) {

    static Finding ok(NeededAsset need) {
        return new Finding(need, null, null);
    }

    static Finding ok(NeededAsset need, String note) {
        return new Finding(need, null, note);
    }

    static Finding problem(NeededAsset need, String problem) {
        return new Finding(need, problem, null);
    }

    public boolean ok() {
        return problem == null;
    }
}
