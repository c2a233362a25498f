package dev.metis.inventory;

import java.util.List;
import java.util.stream.Collectors;

/** Every problem found in an input file, reported together so one edit can fix them all. */
public class InvalidInputException extends Exception {

    private final transient List<Problem> problems;

    public InvalidInputException(List<Problem> problems) {
        super(problems.stream().sorted().map(Problem::toString).collect(Collectors.joining("\n")));
        this.problems = problems.stream().sorted().toList();
    }

    public List<Problem> problems() {
        return problems;
    }
}
