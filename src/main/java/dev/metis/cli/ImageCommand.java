package dev.metis.cli;

import dev.metis.card.CardMaker;
import dev.metis.state.BurnHistory;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

@Command(name = "image", mixinStandardHelpOptions = true,
        description = "Write a node's card image to a file: the golden image with its seed injected, verified.")
final class ImageCommand implements Callable<Integer> {

    @Mixin
    CardOptions options;

    @Spec
    CommandSpec spec;

    @Option(names = "--output", required = true, paramLabel = "FILE.img",
            description = "Image file to write; replaced only once the new one is complete and verified.")
    Path output;

    @Override
    public Integer call() throws Exception {
        return Problems.reporting(spec, () -> {
            try (CardOptions.Loaded loaded = options.load()) {
                CardMaker.Result result = options.recorded(BurnHistory.IMAGE, loaded, output,
                        () -> loaded.maker().image(loaded.node(), output), spec.commandLine().getErr());
                Summary.print(spec.commandLine().getOut(), loaded, output, result);
                return 0;
            }
        });
    }
}
