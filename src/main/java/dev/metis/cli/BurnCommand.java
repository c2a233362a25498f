package dev.metis.cli;

import dev.metis.card.CardMaker;
import dev.metis.card.device.CardTarget;
import dev.metis.card.image.Progress;
import dev.metis.state.BurnHistory;
import java.io.Console;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

@Command(name = "burn", mixinStandardHelpOptions = true,
        description = {"Write a node's card: the golden image with its seed injected, then read back and verified.",
                "Refuses mounted devices, the disk holding /, and targets smaller than the image."})
final class BurnCommand implements Callable<Integer> {

    @Mixin
    CardOptions options;

    @Spec
    CommandSpec spec;

    @Option(names = "--device", required = true, paramLabel = "TARGET", description = "Block device (whole disk) or file.")
    Path device;

    @Option(names = "--yes", description = "Do not ask before overwriting the target.")
    boolean yes;

    @Override
    public Integer call() throws Exception {
        return Problems.reporting(spec, () -> {
            try (CardOptions.Loaded loaded = options.load()) {
                CardMaker.Result result = options.recorded(BurnHistory.BURN, loaded, device,
                        () -> loaded.maker().burn(loaded.node(), device, this::confirm), spec.commandLine().getErr());
                Summary.print(spec.commandLine().getOut(), loaded, device, result);
                return 0;
            }
        });
    }

    private boolean confirm(CardTarget target, long imageBytes) {
        if (yes) {
            return true;
        }
        Console console = System.console();
        if (console == null) {
            spec.commandLine().getErr().println("metis: not a terminal, so nobody can confirm: add --yes to overwrite "
                    + target.path());
            return false;
        }
        String answer = console.readLine("Overwrite %s (%s) with %s for node %s? Everything on it is lost. Type 'yes': ",
                target.path(), target.description(), Progress.size(imageBytes), options.node);
        return answer != null && answer.strip().equals("yes");
    }
}
