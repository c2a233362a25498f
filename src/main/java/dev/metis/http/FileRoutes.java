package dev.metis.http;

import dev.metis.assets.FetchedFiles;
import dev.metis.files.SafePath;
import dev.metis.identity.ServerUrls;
import java.io.IOException;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Files from disk: boot assets (kernels, initrds, images), the kernels and initrds Metis fetched by URL, and the
 * TFTP root's iPXE binaries for UEFI HTTP boot, with ranges, answered as file regions the transport sends
 * without copying.
 */
final class FileRoutes {

    /** Files are counted by their root, not by path: the label must stay bounded. */
    static final String ASSETS_LABEL = "/assets";
    static final String FETCHED_LABEL = "/fetched";
    static final String FIRMWARE_LABEL = "/tftp";

    private final Path assets;
    private final Path tftpRoot;
    private final FetchedFiles fetched;

    FileRoutes(Path assets, Path tftpRoot, FetchedFiles fetched) {
        this.assets = assets;
        this.tftpRoot = tftpRoot;
        this.fetched = fetched;
    }

    List<Route> routes() {
        return List.of(
                new Route(ServerUrls.ASSET, ASSETS_LABEL, Route.READ, true, Route.NEVER,
                        (request, params) -> file(request, ASSETS_LABEL, assets, params.rest())),
                new Route(ServerUrls.FETCHED, FETCHED_LABEL, Route.READ, true, Route.NEVER, this::fetched),
                new Route(ServerUrls.FIRMWARE, FIRMWARE_LABEL, Route.READ, true, Route.NEVER,
                        (request, params) -> file(request, FIRMWARE_LABEL, tftpRoot, params.rest())));
    }

    /** By hash only, and only once the cache holds it checked: the name after it is for iPXE's sake. */
    HttpResponse fetched(HttpRequest request, Route.Params params) throws IOException {
        String sha256 = params.get("sha256");
        if (fetched.servable(sha256).isEmpty()) {
            return Answers.error(FETCHED_LABEL, 404, "no fetched and checked file with this SHA-256 (yet): see /healthz");
        }
        return file(request, FETCHED_LABEL, fetched.dir(), List.of(sha256));
    }

    static HttpResponse file(HttpRequest request, String route, Path root, List<String> segments) throws IOException {
        Optional<SafePath.Resolved> resolved = SafePath.resolve(root, String.join("/", segments));
        if (resolved.isEmpty()) {
            return Answers.error(route, 404, "no such file");
        }
        return region(request, route, resolved.get().path(), resolved.get().attributes().size(),
                resolved.get().attributes().lastModifiedTime());
    }

    /** A file of {@code size} bytes, whole or the range the request asks for, sent by the transport without copying. */
    static HttpResponse region(HttpRequest request, String route, Path file, long size, FileTime modified) {
        String lastModified = DateTimeFormatter.RFC_1123_DATE_TIME.format(modified.toInstant().atOffset(ZoneOffset.UTC));
        ByteRange.Parsed range = ByteRange.parse(request.header("range"), size);
        HttpResponse response;
        if (range instanceof ByteRange.Unsatisfiable) {
            return Answers.error(route, 416, "range not satisfiable").withHeader("content-range", "bytes */" + size);
        } else if (range instanceof ByteRange.Partial partial) {
            ByteRange r = partial.range();
            response = new HttpResponse(route, 206, "application/octet-stream", Map.of(
                    "content-range", "bytes " + r.first() + "-" + r.last() + "/" + size), null, file,
                    r.first(), r.length(), false);
        } else {
            response = new HttpResponse(route, 200, "application/octet-stream", Map.of(), null, file, 0, size, false);
        }
        return response.withHeader("accept-ranges", "bytes").withHeader("last-modified", lastModified);
    }
}
