package tollgate.proxy.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The jar's main: {@code serve} and the report and helper commands of SPEC 1. */
@Command(name = "tollgate", mixinStandardHelpOptions = true, versionProvider = VersionProvider.class,
        description = "A reverse proxy that meters LLM traffic: exact tokens and cost per call, budgets, usage log.",
        subcommands = {ServeCommand.class, StatsCommand.class, RecentCommand.class, PricingCommand.class, CheckConfigCommand.class, KeyIdCommand.class, WatchCommand.class, CommandLine.HelpCommand.class})
public final class TollgateCli implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(System.out);
    }

    public static void main(String[] args) {
        // Netty's default leak detector records a stack trace for 1 in 128 buffers on the hot path; the test
        // suite runs at paranoid instead, so production keeps it off unless asked (-Dio.netty.leakDetection.level)
        if (System.getProperty("io.netty.leakDetection.level") == null) {
            System.setProperty("io.netty.leakDetection.level", "disabled");
        }
        java.util.Optional<Integer> sized = JvmSizing.runSized(args, System.getenv());
        if (sized.isPresent()) {
            System.exit(sized.get());
        }
        JvmSizing.watchParent(System.getenv());
        System.exit(run(args));
    }

    public static int run(String... args) {
        CommandLine cl = new CommandLine(new TollgateCli());
        // a usage error (unknown flag, bad value) is a bad setting: exit 2, like a bad config (SPEC 1)
        cl.setParameterExceptionHandler((ex, a) -> {
            ex.getCommandLine().getErr().println("tollgate: " + ex.getMessage());
            return 2;
        });
        return cl.execute(args);
    }
}
