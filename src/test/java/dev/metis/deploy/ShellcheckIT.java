package dev.metis.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.metis.testing.ExternalTool;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * Every shell script of the repository passes shellcheck without a single finding, style ones included. A
 * script is a file whose first line runs sh, bash, dash or ksh, or one named {@code *.sh} (bench/lib.sh is
 * only sourced, so it has no such line); a script that must differ from shellcheck's advice says why on
 * the line before its {@code # shellcheck disable=}.
 */
class ShellcheckIT {

    private static final Path ROOT = Path.of("").toAbsolutePath();
    /** Git's own files, build output and npm's packages: none of them ours to check. */
    private static final Set<String> NOT_OURS = Set.of(".git", "target", "node_modules");
    /** {@code #!/bin/sh}, {@code #!/usr/bin/env bash} and the like. */
    private static final Pattern SHELL_LINE = Pattern.compile("#!\\s*(\\S*/)?(env\\s+)?(sh|bash|dash|ksh)(\\s.*)?");

    @Test
    void everyShellScriptPassesShellcheck() throws Exception {
        String shellcheck = ExternalTool.require("shellcheck").toString();
        List<String> scripts = shellScripts();
        // Found by their first line or name: a broken search must not pass by checking nothing.
        assertThat(scripts).contains("deploy/bin/metis", "deploy/dev/setup", "bench/lib.sh", "bench/dhcp/run.sh", ".ci/run");

        List<String> command = new ArrayList<>(List.of(shellcheck, "--color=never", "--external-sources", "--"));
        command.addAll(scripts);
        // From the root, where the scripts' own `. bench/lib.sh` resolves, so that shellcheck follows it.
        ExternalTool.Result result = ExternalTool.run(ROOT, command.toArray(String[]::new));

        assertThat(result.exitCode()).as("shellcheck on %s:%n%s", scripts, result.all()).isZero();
    }

    private static List<String> shellScripts() throws IOException {
        List<String> scripts = new ArrayList<>();
        Files.walkFileTree(ROOT, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes attributes) {
                return NOT_OURS.contains(dir.getFileName().toString()) ? FileVisitResult.SKIP_SUBTREE : FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attributes) throws IOException {
                if (attributes.isRegularFile() && (file.getFileName().toString().endsWith(".sh") || runsAShell(file))) {
                    scripts.add(ROOT.relativize(file).toString());
                }
                return FileVisitResult.CONTINUE;
            }
        });
        scripts.sort(null);
        return scripts;
    }

    /** Reads no more than a first line could hold: the tree also has images and binaries. */
    private static boolean runsAShell(Path file) throws IOException {
        byte[] start;
        try (InputStream in = Files.newInputStream(file)) {
            start = in.readNBytes(256);
        }
        String firstLine = new String(start, StandardCharsets.ISO_8859_1).split("\n", 2)[0];
        return SHELL_LINE.matcher(firstLine).matches();
    }
}
