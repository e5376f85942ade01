package io.etcdops.upgrade;

import io.etcdops.core.runtime.JobException;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The image the etcd container gets: {@code --image} when given (its tag, if it names a version, must name
 * {@code --to-version}), else the current image with the version in its tag swapped ({@code quay.io/coreos/etcd:v3.5.16}
 * -> {@code :v3.5.30}, {@code registry.k8s.io/etcd:3.5.16-0} -> {@code :3.5.30-0}). Tags that carry more than a version
 * and a build suffix (Bitnami's {@code 3.5.16-debian-12-r0}) cannot be guessed: {@code --image} is required then.
 */
public final class TargetImage {
    private static final Pattern SIMPLE_TAG = Pattern.compile("^(v?)(\\d+\\.\\d+\\.\\d+)(-\\d+)?$");

    private TargetImage() {
    }

    public static String resolve(String currentImage, String explicitImage, EtcdVersion to) {
        if (explicitImage != null && !explicitImage.isBlank()) {
            String image = explicitImage.trim();
            EtcdVersion.tryParse(tag(image)).filter(v -> !v.equals(to)).ifPresent(v -> {
                throw JobException.usage("--image " + image + " names etcd " + v + " but --to-version is " + to
                        + "; give the image of " + to);
            });
            return image;
        }
        String ref = currentImage.contains("@") ? currentImage.substring(0, currentImage.indexOf('@')) : currentImage;
        String tag = tag(ref);
        Matcher m = tag == null ? null : SIMPLE_TAG.matcher(tag);
        if (m == null || !m.matches()) {
            throw JobException.usage("cannot derive the image of etcd " + to + " from the current image " + currentImage
                    + " (its tag is not a plain version); give it with --image REPOSITORY:TAG");
        }
        String repository = ref.substring(0, ref.lastIndexOf(':'));
        return repository + ":" + m.group(1) + to + (m.group(3) == null ? "" : m.group(3));
    }

    /** The tag of {@code repo[:tag][@digest]}, or null. */
    static String tag(String image) {
        String ref = image.contains("@") ? image.substring(0, image.indexOf('@')) : image;
        int colon = ref.lastIndexOf(':');
        return colon < 0 || colon < ref.lastIndexOf('/') ? null : ref.substring(colon + 1);
    }
}
