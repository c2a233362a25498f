package dev.metis.card;

import com.fasterxml.jackson.core.JsonProcessingException;
import dev.metis.card.image.CardException;
import dev.metis.files.Sha256;
import dev.metis.identity.Artifact;
import dev.metis.identity.NodeIdentity;
import dev.metis.inventory.Mappers;
import dev.metis.inventory.ResolvedNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * Everything Metis writes onto a node's FAT boot partition: the class's boot overlay, the NoCloud seed
 * exactly as the HTTP server serves it, and {@value #RECORD} describing what was injected (no secrets).
 *
 * @param files path inside the partition ({@code /}-separated, no leading slash) to content, in write order
 */
public record CardSeed(String instanceId, Map<String, byte[]> files) {

    /** The record of what Metis injected, next to the seed, for whoever debugs the card later. */
    public static final String RECORD = "metis-node.json";

    public CardSeed {
        files = Collections.unmodifiableMap(new LinkedHashMap<>(files));
    }

    /** The kernel argument that makes cloud-init use this seed, appended to {@code cmdline.txt}. */
    public String cmdlineArgument() {
        return "ds=nocloud;i=" + instanceId;
    }

    /**
     * @param overlayDir the class's {@code boot_overlay} directory, or null
     * @param image what the card is written from, recorded for debugging
     */
    public static CardSeed of(ResolvedNode node, NodeIdentity identity, Path overlayDir, String image, String imageSha256)
            throws CardException {
        Map<String, byte[]> files = new LinkedHashMap<>(overlay(node, overlayDir));
        for (Artifact artifact : Artifact.values()) {
            if (artifact.isSeedFile()) {
                if (files.containsKey(artifact.fileName())) {
                    throw new CardException("boot overlay " + overlayDir + " of node " + node.name() + " contains "
                            + artifact.fileName() + ", which Metis writes itself: remove it from the overlay");
                }
                files.put(artifact.fileName(), identity.bytes(artifact));
            }
        }
        files.put(RECORD, record(node, identity, image, imageSha256, files));
        return new CardSeed(identity.instanceId(), files);
    }

    private static Map<String, byte[]> overlay(ResolvedNode node, Path dir) throws CardException {
        Map<String, byte[]> files = new LinkedHashMap<>();
        if (dir == null) {
            return files;
        }
        if (!Files.isDirectory(dir)) {
            throw new CardException("boot overlay " + dir + " of node " + node.name() + " is not a directory");
        }
        try (Stream<Path> walk = Files.walk(dir)) {
            for (Path file : walk.filter(Files::isRegularFile).sorted().toList()) {
                String relative = dir.relativize(file).toString().replace('\\', '/');
                if (relative.equals(RECORD) || relative.equalsIgnoreCase("cmdline.txt")) {
                    throw new CardException("boot overlay " + dir + " contains " + relative
                            + ", which Metis writes or edits itself: remove it from the overlay");
                }
                files.put(relative, Files.readAllBytes(file));
            }
        } catch (IOException e) {
            throw new CardException("cannot read boot overlay " + dir + ": " + e.getMessage(), e);
        }
        return files;
    }

    private static byte[] record(ResolvedNode node, NodeIdentity identity, String image, String imageSha256,
            Map<String, byte[]> files) throws CardException {
        Map<String, Object> doc = new LinkedHashMap<>();
        doc.put("node", node.name());
        doc.put("class", node.nodeClass());
        doc.put("hostname", node.hostname());
        doc.put("mac", node.spec().mac());
        doc.put("instance_id", identity.instanceId());
        doc.put("config_hash", identity.configHash());
        // In this order every time: Map.of iterates in an order that differs from one JVM to the next, and the
        // record is part of the image's bytes, which must be the same wherever they are made.
        Map<String, Object> source = new LinkedHashMap<>();
        source.put("source", image);
        source.put("sha256", imageSha256);
        doc.put("image", source);
        List<Map<String, Object>> written = new ArrayList<>();
        files.forEach((path, bytes) -> {
            Map<String, Object> entry = new LinkedHashMap<>();
            entry.put("path", path);
            entry.put("bytes", bytes.length);
            // user-data carries the node's secrets; a hash of it would let anyone holding the card test guesses.
            if (!path.equals(Artifact.USER_DATA.fileName())) {
                entry.put("sha256", Sha256.hex(bytes));
            }
            written.add(entry);
        });
        doc.put("files", written);
        doc.put("cmdline", "ds=nocloud;i=" + identity.instanceId());
        try {
            return (Mappers.binding().writerWithDefaultPrettyPrinter().writeValueAsString(doc) + "\n")
                    .getBytes(StandardCharsets.UTF_8);
        } catch (JsonProcessingException e) {
            throw new CardException("cannot write " + RECORD + ": " + e.getMessage(), e);
        }
    }

}
