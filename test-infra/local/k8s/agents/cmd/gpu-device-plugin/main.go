// Command gpu-device-plugin advertises a node's simulated GPUs to its kubelet as nvidia.com/gpu through
// the kubelet's device-plugin API (v1beta1), so that scheduling and allocation are Kubernetes' own.
// The GPUs are those of the simulated NVML's device file for the node, DIR/NODE.json else DIR/default.json
// (the same files its pynvml stand-in answers from): one device per GPU, by UUID. A GPU is advertised Unhealthy when its file
// entry says "health": "unhealthy" - the way a fault reaches the scheduler on a real node.
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"log"
	"net"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	pluginapi "k8s.io/kubelet/pkg/apis/deviceplugin/v1beta1"
)

type simFile struct {
	GPUs []struct {
		UUID   string `json:"uuid"`
		Index  *int   `json:"index"`
		Health string `json:"health"`
	} `json:"gpus"`
}

type plugin struct {
	pluginapi.UnimplementedDevicePluginServer
	devicesFile string
	mu          sync.Mutex
	devices     []*pluginapi.Device
	changed     chan struct{}
}

// read loads the device file; an unreadable file advertises no GPU (and says so), never stale ones.
func (p *plugin) read() []*pluginapi.Device {
	var sim simFile
	raw, err := os.ReadFile(p.devicesFile)
	if err == nil {
		err = json.Unmarshal(raw, &sim)
	}
	if err != nil {
		log.Printf("device file %s: %v: advertising no GPU", p.devicesFile, err)
		return nil
	}
	devs := make([]*pluginapi.Device, 0, len(sim.GPUs))
	for _, g := range sim.GPUs {
		health := pluginapi.Healthy
		if strings.EqualFold(g.Health, "unhealthy") {
			health = pluginapi.Unhealthy
		}
		devs = append(devs, &pluginapi.Device{ID: g.UUID, Health: health})
	}
	return devs
}

func (p *plugin) refresh() {
	devs := p.read()
	p.mu.Lock()
	same := reflect.DeepEqual(devs, p.devices)
	p.devices = devs
	p.mu.Unlock()
	if !same {
		log.Printf("advertising %d GPU(s) from %s", len(devs), p.devicesFile)
		select {
		case p.changed <- struct{}{}:
		default:
		}
	}
}

func (p *plugin) list() []*pluginapi.Device {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]*pluginapi.Device(nil), p.devices...)
}

func (p *plugin) GetDevicePluginOptions(context.Context, *pluginapi.Empty) (*pluginapi.DevicePluginOptions, error) {
	return &pluginapi.DevicePluginOptions{}, nil
}

func (p *plugin) ListAndWatch(_ *pluginapi.Empty, s grpc.ServerStreamingServer[pluginapi.ListAndWatchResponse]) error {
	for {
		if err := s.Send(&pluginapi.ListAndWatchResponse{Devices: p.list()}); err != nil {
			return err
		}
		select {
		case <-p.changed:
		case <-s.Context().Done():
			return nil
		}
	}
}

func (p *plugin) GetPreferredAllocation(context.Context, *pluginapi.PreferredAllocationRequest) (*pluginapi.PreferredAllocationResponse, error) {
	return &pluginapi.PreferredAllocationResponse{}, nil
}

// Allocate tells the container which GPUs it got, as the NVIDIA plugin does (NVIDIA_VISIBLE_DEVICES).
func (p *plugin) Allocate(_ context.Context, req *pluginapi.AllocateRequest) (*pluginapi.AllocateResponse, error) {
	resp := &pluginapi.AllocateResponse{}
	for _, c := range req.ContainerRequests {
		resp.ContainerResponses = append(resp.ContainerResponses, &pluginapi.ContainerAllocateResponse{
			Envs: map[string]string{"NVIDIA_VISIBLE_DEVICES": strings.Join(c.DevicesIds, ",")},
		})
	}
	return resp, nil
}

func (p *plugin) PreStartContainer(context.Context, *pluginapi.PreStartContainerRequest) (*pluginapi.PreStartContainerResponse, error) {
	return &pluginapi.PreStartContainerResponse{}, nil
}

// serve listens on the plugin's socket and registers with the kubelet; it returns the server once
// registered, or an error (the kubelet not there yet).
func (p *plugin) serve(dir, endpoint, resource string) (*grpc.Server, error) {
	sock := filepath.Join(dir, endpoint)
	_ = os.Remove(sock)
	lis, err := net.Listen("unix", sock)
	if err != nil {
		return nil, err
	}
	srv := grpc.NewServer()
	pluginapi.RegisterDevicePluginServer(srv, p)
	go func() { _ = srv.Serve(lis) }()
	conn, err := grpc.NewClient("unix://"+filepath.Join(dir, filepath.Base(pluginapi.KubeletSocket)),
		grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		srv.Stop()
		return nil, err
	}
	defer conn.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_, err = pluginapi.NewRegistrationClient(conn).Register(ctx, &pluginapi.RegisterRequest{
		Version: pluginapi.Version, Endpoint: endpoint, ResourceName: resource,
		Options: &pluginapi.DevicePluginOptions{},
	})
	if err != nil {
		srv.Stop()
		return nil, fmt.Errorf("register with the kubelet: %w", err)
	}
	log.Printf("registered %s with the kubelet (%s)", resource, sock)
	return srv, nil
}

func main() {
	devicesDir := flag.String("devices-dir", "", "the simulated NVML's device files: NODE.json, else default.json")
	node := flag.String("node", os.Getenv("NODE_NAME"), "this node's name (default: $NODE_NAME)")
	dir := flag.String("plugin-dir", pluginapi.DevicePluginPath, "the kubelet's device-plugin directory")
	resource := flag.String("resource", "nvidia.com/gpu", "the extended resource advertised")
	endpoint := flag.String("endpoint", "cc-gpu.sock", "this plugin's socket name in plugin-dir")
	flag.Parse()
	if *devicesDir == "" {
		log.Fatal("--devices-dir is required")
	}
	devicesFile := filepath.Join(*devicesDir, *node+".json")
	if _, err := os.Stat(devicesFile); *node == "" || err != nil {
		devicesFile = filepath.Join(*devicesDir, "default.json")
	}
	p := &plugin{devicesFile: devicesFile, changed: make(chan struct{}, 1)}
	p.refresh()
	var srv *grpc.Server
	for {
		// The kubelet empties its plugin directory when it (re)starts: register again then.
		if _, err := os.Stat(filepath.Join(*dir, *endpoint)); srv != nil && err != nil {
			log.Printf("socket gone (kubelet restarted): registering again")
			srv.Stop()
			srv = nil
		}
		if srv == nil {
			var err error
			if srv, err = p.serve(*dir, *endpoint, *resource); err != nil {
				log.Printf("not registered yet: %v", err)
			}
		}
		p.refresh()
		time.Sleep(2 * time.Second)
	}
}
