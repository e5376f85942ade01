package io.etcdops.core.runtime;

import picocli.CommandLine;

/** The etcd-ops version, from the jar manifest (set by the build); "dev" when run from classes. */
public final class ToolVersion implements CommandLine.IVersionProvider {

    public static String get() {
        String v = ToolVersion.class.getPackage().getImplementationVersion();
        return v == null ? "dev" : v;
    }

    @Override
    public String[] getVersion() {
        return new String[] {"etcd-ops " + get()};
    }
}
