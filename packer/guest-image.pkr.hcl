# The tiny guest the local target boots: Debian's cloud kernel plus a busybox initramfs with the
# virtio drivers and dropbear (test-infra/local/build-guest.sh does the work). A null builder
# because the image is assembled from Debian packages on the host, with no base ISO to boot.
# Build: packer build -var output_dir=../.local-target/guest guest-image.pkr.hcl

variable "output_dir" {
  type        = string
  default     = "../.local-target/guest"
  description = "Where vmlinuz, initrd.img and the SSH key are written."
}

source "null" "clustercheck-guest" {
  communicator = "none"
}

build {
  name    = "clustercheck-guest"
  sources = ["source.null.clustercheck-guest"]

  provisioner "shell-local" {
    inline = ["../test-infra/local/build-guest.sh ${var.output_dir}"]
  }
}
