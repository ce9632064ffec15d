package diarize

// attribute estimates every seat's own level p by nonnegative least squares on z = A·p
// (projected Gauss-Seidel on the normal equations, a few sweeps from p = 0) and scores own
// speech as level minus margin × predicted bleed. Least squares, unlike peeling the loudest
// channel first, finds the talker whose coupling explains all the microphones together, also
// when that talker's own channel is not the loudest (a noisy mic). A seat's level as a bleed
// source, q, is its own level widened to the 40 ms source measure (and to the previous frame),
// which covers bleed delays up to ~20 ms.
func (d *Diarizer) attribute() {
	n := d.n
	clear(d.p)
	copy(d.r, d.z) // residual z − A·p
	for range nnlsSweeps {
		for i := range n {
			var num, den float64
			for j := range n {
				a := 1.0
				if j != i {
					a = d.bleed[j][i]
				}
				num += a * d.r[j]
				den += a * a
			}
			np := max(0, d.p[i]+num/den)
			if dp := np - d.p[i]; dp != 0 {
				for j := range n {
					a := 1.0
					if j != i {
						a = d.bleed[j][i]
					}
					d.r[j] -= a * dp
				}
				d.p[i] = np
			}
		}
	}
	for i := range n {
		own := 0.0
		if d.z[i] > 0 {
			own = d.p[i] * d.zs[i] / d.z[i]
		}
		d.q[i] = max(own, d.ch[i].q1)
		d.ch[i].q1 = own
	}
	for c := range n {
		var b float64
		row := d.bleed[c]
		for i := range n {
			if i != c {
				b += row[i] * d.q[i]
			}
		}
		d.score[c] = d.z[c] - d.margin*b
		d.bl[c] = b
	}
}

// nnlsSweeps: Gauss-Seidel sweeps of the attribution (enough for the few seats of a courtroom).
const nnlsSweeps = 8
