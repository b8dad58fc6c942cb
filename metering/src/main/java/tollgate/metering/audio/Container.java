package tollgate.metering.audio;

/**
 * One container format's reading: each {@link #step} is handed the bytes it asked for with {@link AudioDuration#need}
 * (in {@link AudioDuration#buf}) and asks for the next ones, skips, or ends the reading with a duration or a reason.
 */
abstract class Container {
    /** The bytes asked for are in {@code r.buf[0, r.have)}; decides what comes next. */
    abstract void step(AudioDuration r);

    /**
     * The file ended, {@code r.fileBytes()} long, before a {@link AudioDuration#done} or {@link AudioDuration#fail}:
     * a duration that needs the file's length or its last bytes is decided now. Any bytes asked for and not whole are
     * in {@code r.buf[0, r.have)}.
     */
    void end(AudioDuration r) {
        r.fail("the file ended before its " + name() + " header was read");
    }

    abstract String name();
}
