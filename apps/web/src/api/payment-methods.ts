import { useQuery } from '@tanstack/react-query';
import { paymentsApi } from './booking.api';

/** A payment method's name as the payment service gives it ("Toss Payments"), for its id ("toss"). */
export function usePaymentMethodName(): (method: string | null | undefined) => string {
  const methods = useQuery({
    queryKey: ['payment-methods'],
    queryFn: paymentsApi.methods,
    staleTime: 3_600_000,
  });
  return (method) => (method ? (methods.data?.find((m) => m.method === method)?.name ?? method) : '-');
}
