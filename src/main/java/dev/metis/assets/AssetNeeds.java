package dev.metis.assets;

import dev.metis.inventory.Delivery;
import dev.metis.inventory.Inventory;
import dev.metis.inventory.NodeSpec;
import dev.metis.inventory.ResolvedNode;
import java.util.ArrayList;
import java.util.List;

/**
 * Which files each node needs, decided from the inventory alone: a netbooting node with a kernel the kernel and
 * its initrds (what its iPXE script loads), a card node its golden image, a node that installs its image that
 * image and the recovery environment's kernel and initramfs.
 */
public final class AssetNeeds {

    private AssetNeeds() {
    }

    public static List<NeededAsset> of(Inventory inventory, AssetRoots roots) {
        List<NeededAsset> needs = new ArrayList<>();
        for (ResolvedNode node : inventory.nodes()) {
            NodeSpec spec = node.spec();
            NodeSpec.Netboot netboot = spec.netboot();
            if (spec.delivery() == Delivery.NETBOOT && netboot != null && netboot.kernel() != null) {
                needs.add(bootAsset(node, "netboot.kernel", "netboot.kernel", netboot.kernel(), roots));
                List<NodeSpec.BootAsset> initrds = netboot.initrd() == null ? List.of() : netboot.initrd();
                for (int i = 0; i < initrds.size(); i++) {
                    needs.add(bootAsset(node, "netboot.initrd[" + i + "]", "netboot.initrd", initrds.get(i), roots));
                }
            }
            if (node.installsImage()) {
                needs.add(bootAsset(node, "install (recovery kernel)", "install", NodeSpec.Install.RECOVERY_KERNEL, roots));
                needs.add(bootAsset(node, "install (recovery initramfs)", "install", NodeSpec.Install.RECOVERY_INITRD, roots));
            }
            NodeSpec.Image image = spec.image();
            if ((spec.delivery() == Delivery.SDCARD || node.installsImage()) && image != null) {
                needs.add(image.path() != null
                        ? new NeededAsset(node.name(), "image", NeededAsset.Kind.IMAGE_FILE, image.path(),
                                inventory.resolve(image.path()), null, image.sha256(), node.where("image"))
                        : new NeededAsset(node.name(), "image", NeededAsset.Kind.IMAGE_URL, image.url(),
                                roots.imageCache().resolve(image.sha256()), image.url(), image.sha256(), node.where("image")));
            }
        }
        return needs;
    }

    /** @param namedBy the field whose provenance says where the inventory names it (the list, for an initrd) */
    private static NeededAsset bootAsset(ResolvedNode node, String field, String namedBy, NodeSpec.BootAsset asset,
            AssetRoots roots) {
        if (asset.fetchedByMetis()) {
            return new NeededAsset(node.name(), field, NeededAsset.Kind.FETCHED, asset.url(),
                    roots.fetched().resolve(asset.sha256()), asset.url(), asset.sha256(), node.where(namedBy));
        }
        if (asset.url() != null) {
            return new NeededAsset(node.name(), field, NeededAsset.Kind.DIRECT, asset.url(), null, asset.url(), null,
                    node.where(namedBy));
        }
        return new NeededAsset(node.name(), field, NeededAsset.Kind.SERVED, asset.path(),
                roots.bootAssets().resolve(asset.path().replaceFirst("^/+", "")).normalize(), null, null, node.where(namedBy));
    }
}
