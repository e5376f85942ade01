package io.etcdops.storage;

import com.azure.storage.blob.specialized.BlockBlobClient;
import io.etcdops.core.store.Upload;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;

/**
 * One block blob being written: blocks are staged in parallel and {@link #commit()} commits the block list, which
 * is the moment the blob appears; an object smaller than one block is a single Put Blob at commit.
 *
 * <p>{@link #abort()} only stops staging. Staged blocks that are never committed are invisible (a blob that was
 * never committed does not exist for list or read) and Azure garbage-collects them after 7 days, so there is
 * nothing to delete — deleting would also mean touching a blob of the same name that may already exist.
 */
final class AzureBlockUpload implements Upload, ParallelPartStream.PartSink {

    private static final SecureRandom RANDOM = new SecureRandom();

    private final BlockBlobClient blob;
    private final String where;
    private final String container;
    private final String key;
    private final ParallelPartStream stream;
    /** Every block id of one blob must have the same length; a random nonce keeps ids of two attempts apart. */
    private final String blockIdNonce;
    private volatile boolean committed;
    private volatile boolean aborted;

    AzureBlockUpload(BlockBlobClient blob, String where, String container, String key, int blockSize, int parallelism,
                     Path partBufferDir) {
        this.blob = blob;
        this.where = where;
        this.container = container;
        this.key = key;
        this.stream = new ParallelPartStream(this, blockSize, parallelism, "azure-upload", partBufferDir);
        byte[] nonce = new byte[8];
        RANDOM.nextBytes(nonce);
        this.blockIdNonce = HexFormat.of().formatHex(nonce);
    }

    @Override
    public OutputStream stream() {
        return stream;
    }

    @Override
    public void commit() throws IOException {
        if (committed) {
            return;
        }
        try {
            ParallelPartStream.Finished finished = stream.finish();
            if (finished.multipart()) {
                List<String> ids = new ArrayList<>(finished.parts());
                for (int part = 1; part <= finished.parts(); part++) {
                    ids.add(blockId(part));
                }
                blob.commitBlockList(ids, true);
            } else {
                PartBuffer single = finished.single();
                try (InputStream in = single.newStream()) {
                    blob.upload(in, single.length(), true);
                }
            }
            committed = true;
            stream.release();
        } catch (IOException e) {
            abort();
            throw e;
        } catch (RuntimeException e) {
            abort();
            throw AzureClients.map(e, where, container, "upload of '" + key + "'");
        }
    }

    @Override
    public void abort() {
        if (committed || aborted) {
            return;
        }
        aborted = true;
        stream.abort();
        stream.release();
    }

    @Override
    public void close() {
        if (!committed) {
            abort();
        }
    }

    @Override
    public void startParts() {
        // a block blob needs no session: blocks are staged against the blob name directly
    }

    @Override
    public void uploadPart(int partNumber, PartBuffer part) throws IOException {
        try (InputStream in = part.newStream()) {
            blob.stageBlock(blockId(partNumber), in, part.length());
        } catch (RuntimeException e) {
            throw AzureClients.map(e, where, container, "upload of block " + partNumber + " of '" + key + "'");
        }
    }

    private String blockId(int partNumber) {
        String id = blockIdNonce + "-" + String.format("%06d", partNumber);
        return Base64.getEncoder().encodeToString(id.getBytes(StandardCharsets.US_ASCII));
    }
}
