package tollgate.proxy.relay;

/**
 * Reading of a streamed request body from its client (a multipart upload): the {@link Exchange} stops it while the
 * upstream cannot take more and resumes it when the upstream can, so an upload is held in memory only as far as one
 * read of the client and the upstream's write buffer. Event loop only.
 */
public interface BodyReads {
    BodyReads NONE = new BodyReads() {
        @Override
        public void pauseBody() {}

        @Override
        public void resumeBody() {}
    };

    void pauseBody();

    void resumeBody();
}
